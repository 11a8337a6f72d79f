# samples/: real fdr-record recordings of the sample intrusion
# (scripts/make-samples.sh, samples/README), read by `make demo` and by the
# golden tests of every fdr-replay subcommand.
SCRIPT_TESTS += tests/samples/golden.sh tests/samples/demo.sh

.PHONY: samples golden-regen
# Re-record samples/ (root, Docker, sshd; about 2 minutes), then rewrite the
# golden files: review `git diff samples tests/samples/golden` before committing.
samples: programs
	FDR_BIN=$(abspath $(BINDIR)) scripts/make-samples.sh
	FDR_BIN=$(abspath $(BINDIR)) FDR_REGEN=1 tests/samples/golden.sh

# Rewrite tests/samples/golden/*.out on purpose after an intended output change.
golden-regen: programs
	FDR_BIN=$(abspath $(BINDIR)) FDR_REGEN=1 tests/samples/golden.sh
