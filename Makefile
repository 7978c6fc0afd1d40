# Each target does its own set-up: a virtualenv in .venv with Khabar and its test tools.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test eval bench clean

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

clean:
	rm -rf $(VENV) *.db *.db-wal *.db-shm test-artifacts
