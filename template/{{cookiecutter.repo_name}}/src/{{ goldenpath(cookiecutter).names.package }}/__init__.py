{%- set gp = goldenpath(cookiecutter) -%}
{{ cookiecutter.description | python_docstring }}
