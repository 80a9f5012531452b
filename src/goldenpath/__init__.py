"""goldenpath: the paved road from 'create repo' to a deployed Databricks job."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("goldenpath")
except PackageNotFoundError:  # imported from a template checkout by the Jinja extension
    __version__ = "0+unknown"
