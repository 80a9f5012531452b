{%- set gp = goldenpath(cookiecutter) -%}
# Databricks notebook source
# MAGIC %md
# MAGIC # {{ gp.names.repo }}: explore
# MAGIC A thin notebook for trying things in a Databricks Git folder. Logic lives in the
# MAGIC package (`src/{{ gp.names.package }}`), where it is tested; this only calls it.

# COMMAND ----------

import sys
from pathlib import Path

# A Git folder runs notebooks from their own directory; make ../src importable.
sys.path.insert(0, str(Path.cwd().parent / "src"))

# COMMAND ----------

from {{ gp.names.package }}.main import main

main(["--env", "dev", "--experiment", "{{ gp.experiment }}-dev"])
