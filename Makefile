# Each target does its own set-up: a virtualenv in .venv with Khabar and its test tools.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test eval gate bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/khabar demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider

eval: $(VENV)/.installed
	$(BIN)/khabar --db khabar-corpus.db import ../shared/corpus/saudinewsnet
	$(BIN)/khabar --db khabar-corpus.db eval related --qrels ../shared/eval/dev-qrels.jsonl

# The quality gate CI runs after the tests: a fresh import of the full corpus (lexical path),
# then dev figures against src/khabar/eval/baseline.json; exit 1 on a regression.
GATE_DB := test-artifacts/gate.db
gate: $(VENV)/.installed
	rm -f $(GATE_DB) $(GATE_DB)-wal $(GATE_DB)-shm
	$(BIN)/khabar --db $(GATE_DB) import ../shared/corpus/saudinewsnet
	$(BIN)/khabar --db $(GATE_DB) eval gate --qrels ../shared/eval/dev-qrels.jsonl

clean:
	rm -rf $(VENV) *.db *.db-wal *.db-shm test-artifacts
