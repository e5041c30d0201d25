# The two commands of the README quick start. Both need only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test snapshots lint clean fuzz

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

# Coverage-guided fuzzing of every parser family (fuzz/fuzz_*.py) with atheris,
# installed into the venv only here; never part of `make test`. Crashes are
# written to fuzz/crashes/; turn each into a fixture in tests/hostile.
FUZZ_TIME ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet atheris
	@mkdir -p fuzz/crashes
	@for target in fuzz/fuzz_*.py; do \
		name=$$(basename $$target .py); \
		mkdir -p fuzz/corpus/$$name; \
		echo "== $$name ($(FUZZ_TIME) s)"; \
		$(BIN)/python $$target -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=fuzz/crashes/$$name- fuzz/corpus/$$name || exit $$?; \
	done

clean:
	rm -rf $(VENV) report.html report.md findings.json .pytest_cache .ruff_cache
