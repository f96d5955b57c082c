# Two commands matter: `make dev` (the local shop) and `make test` (every test
# on every runtime). Both install what they need first (scripts/setup.sh).
.PHONY: dev test bench build setup fuzz

setup:
	bash scripts/setup.sh

build:
	bash scripts/build.sh

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

# Not part of `make test`: every fuzz target for FUZZ_SECONDS each (scripts/fuzz.sh).
fuzz:
	bash scripts/fuzz.sh
