# The two commands of the README quick start. Both need only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test snapshots lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/forensics analyze sample_logs --html report.html --json findings.json --md report.md; \
	status=$$?; \
	if [ $$status -gt 1 ]; then exit $$status; fi; \
	echo ""; \
	echo "Open $(CURDIR)/report.html in a browser to read the incident report."

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Rewrite syrupy snapshots; read the diff and explain it in the commit message.
snapshots: $(STAMP)
	$(BIN)/python -m pytest --snapshot-update

clean:
	rm -rf $(VENV) report.html report.md findings.json .pytest_cache .ruff_cache
