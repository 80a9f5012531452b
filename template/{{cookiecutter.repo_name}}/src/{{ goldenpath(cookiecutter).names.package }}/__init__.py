{%- set gp = goldenpath(cookiecutter) -%}
"""{{ cookiecutter.description | replace('\\', '/') | replace('"""', "'''") }}"""
