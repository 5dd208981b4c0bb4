# tibero.cm -- the two commands a user needs:
#   make lab    set up everything on a fresh machine, start the 4-node lab, converge it with site.yml,
#               print `prs_adm status` and `cmrctl show all`     (make lab-down tears it down)
#   make test   every test, fail-fast, ending with one summary line (.ci/run runs exactly this)
# Every recipe runs in bash with the environment of scripts/env.sh (venv on PATH, collections path,
# ANSIBLE_CONFIG, TIBERO_LAB_IMAGE).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
ENV := . scripts/env.sh &&
COLLECTION := build/collections/ansible_collections/tibero/cm
PYTEST_OPTS ?= -q -p no:cacheprovider
SANITY_PYTHON ?= 3.11
# The steps of `make test`, in order.
TEST_STEPS := bootstrap collection units lab-units sanity lint playbooks controller-matrix lab-suites

.PHONY: help bootstrap collection image lab lab-up lab-converge lab-status lab-down bench \
	units lab-units sanity lint docs-lint docs playbooks controller-matrix molecule reliability lab-suites test

help:
	@echo "make lab        bootstrap, lab image, 4 lab containers, site.yml, status"
	@echo "make lab-down   remove the lab containers, network and volume"
	@echo "make test       $(TEST_STEPS) (fail-fast)"
	@echo "make bench      the benchmark on tcm-bench labs, not part of make test (bench/README.md)"
	@echo "make docs       the documentation site in build/docs/html (antsibull-docs + Sphinx), not part of make test"
	@echo "single steps:   make bootstrap | collection | image | units | lab-units | sanity | lint | docs-lint | playbooks | controller-matrix | molecule | reliability | lab-suites"

bootstrap:
	bash scripts/bootstrap.sh

collection:
	bash scripts/build_collection.sh

image:
	bash lab/image/build.sh

# lab.sh up bootstraps the machine first; converge builds the collection copy itself.
lab:
	bash scripts/lab.sh up
	bash scripts/lab.sh converge
	bash scripts/lab.sh status

lab-up:
	bash scripts/lab.sh up

lab-converge:
	bash scripts/lab.sh converge

lab-status:
	bash scripts/lab.sh status

lab-down:
	bash scripts/lab.sh down

# The benchmark (issue 7): its own labs (tcm-bench-*), JSON in bench/results/. BENCH_ARGS e.g.
# "--sizes 2,4 --phases main". Not part of make test.
bench: bootstrap
	$(ENV) python bench/run.py $(BENCH_ARGS)

# Unit tests of module_utils and modules, imported as ansible_collections.tibero.cm.* from the copy;
# then the benchmark's pure computations (bench/measure.py: the numbers make bench prints).
units: collection
	$(ENV) cd "$(COLLECTION)" && PYTHONPATH="$$TCM_COLLECTIONS_DIR" python -m pytest $(PYTEST_OPTS) tests/unit
	$(ENV) python -m pytest $(PYTEST_OPTS) bench/tests

# Unit tests of the simulated tools, on the host (no Docker). No blanket retries: they hid a real
# start-up race (tbcm -b misreading a daemon inside execve as dead, issue 3); every tool now returns
# once what it started is usable and "must happen" waits are generous. Only the TSC AFO timing test
# retries (flaky marker in lab/tests/test_tsc_lab.py): it asserts wall-clock bounds a CPU-starved
# machine can miss.
lab-units:
	$(ENV) python -m pytest $(PYTEST_OPTS) lab/tests

sanity: collection
	$(ENV) cd "$(COLLECTION)" && ansible-test sanity --local --python $(SANITY_PYTHON) --color no

lint: collection
	$(ENV) yamllint --strict .
	$(ENV) ansible-lint --strict
	$(ENV) bash scripts/docs_lint.sh

# The documentation checks of lint alone (scripts/docs_lint.sh: antsibull-docs, antsibull-changelog,
# galaxy-importer on the built tarball).
docs-lint: collection
	$(ENV) bash scripts/docs_lint.sh

# The documentation site (antsibull-docs + Sphinx, offline) in build/docs/html; not part of make test.
docs: collection
	$(ENV) bash scripts/docs_build.sh

# Playbooks on the controller only: syntax of every playbook, and site.yml stopping in preflight on bad
# models before any host is contacted; then the tarball holds only what a user runs (tests/artifact).
playbooks: collection
	$(ENV) python -m pytest $(PYTEST_OPTS) tests/roles tests/artifact

# The controller-side tests (the collection's unit tests, then tests/roles: playbook syntax and model
# validation) on every other ansible-core release meta/runtime.yml declares (scripts/controller-matrix.txt,
# one venv each under build/venvs/, made by scripts/bootstrap.sh --controller-matrix); 2.19, the main
# venv's, runs them in units and playbooks. No lab.
controller-matrix: collection
	bash scripts/controller_matrix.sh

# Every scenario under molecule/, one after another (parallel workers break on this machine); the
# first failure ends the loop (`|| exit`: set -e does not apply where lab-suites tests the status).
MOLECULE_CMD = for scenario in $$(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | sort); do \
		name="$$(basename "$$scenario")"; \
		echo "=== molecule test -s $$name"; \
		molecule test -s "$$name" || exit; \
	done
molecule: collection image
	$(ENV) $(MOLECULE_CMD)

# Interruption, node-down, concurrent-run, hang, secret-leak and bad-input suites on their own lab
# (containers tcm-rel-node1..4, see tests/reliability/README.md); ends with the figures line.
# One suite while developing: make reliability RELIABILITY_TESTS=tests/badinput
RELIABILITY_TESTS ?= tests/badinput tests/reliability
RELIABILITY_CMD = PYTHONPATH=tests/reliability python -m pytest $(PYTEST_OPTS) -p tcm_rel_plugin $(RELIABILITY_TESTS)
reliability: collection image
	$(ENV) $(RELIABILITY_CMD)

# The last step of make test: molecule and reliability at the same time, each on its own lab
# (tibero-molecule-*, tcm-rel-*), on the collection copy and image built once before both. Both
# spend much of their time waiting on the labs' timers, so together they take far less than one
# after the other (tests/reliability/README.md, "Time"). molecule streams; reliability writes
# build/reliability.log, printed once both have ended.
lab-suites: collection image
	@mkdir -p build; rm -f build/reliability.log; \
	echo "=== make reliability, in the background (log: build/reliability.log)"; \
	( $(ENV) $(RELIABILITY_CMD) ) > build/reliability.log 2>&1 & reliability=$$!; \
	molecule_rc=0; ( $(ENV) $(MOLECULE_CMD) ) || molecule_rc=$$?; \
	reliability_rc=0; wait $$reliability || reliability_rc=$$?; \
	echo "=== make reliability (build/reliability.log)"; cat build/reliability.log; \
	echo "=== lab suites: molecule rc=$$molecule_rc, reliability rc=$$reliability_rc"; \
	test $$molecule_rc -eq 0 -a $$reliability_rc -eq 0

# Fail-fast: the first failing step stops the run; the last line sums up.
test:
	@results=(); passed=0; failed=0; rm -f build/reliability-figures.txt; \
	for step in $(TEST_STEPS); do \
		echo "=== make $$step"; start=$$SECONDS; \
		if $(MAKE) --no-print-directory "$$step"; then \
			passed=$$((passed + 1)); results+=("$$step ok $$((SECONDS - start))s"); \
		else \
			failed=$$((failed + 1)); results+=("$$step FAILED $$((SECONDS - start))s"); break; \
		fi; \
	done; \
	echo "=== steps: $$(IFS=,; echo "$${results[*]}" | sed 's/,/, /g')"; \
	if [ -f build/reliability-figures.txt ]; then cat build/reliability-figures.txt; fi; \
	echo "summary: $$passed passed, $$failed failed"; \
	test "$$failed" -eq 0 -a "$$passed" -eq $(words $(TEST_STEPS))
