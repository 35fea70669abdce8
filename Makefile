# Two commands on a fresh machine: `make demo` and `make test` (README.md).
.PHONY: demo test build release bench-validate bench-load bench-refresh bench-bi bench-queue bench-gdpr db-start db-stop clean

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

build:
	swift build

release:
	swift build -c release --product sluice

bench-validate:
	scripts/bench-validate.sh

bench-load:
	scripts/bench-load.sh

bench-refresh:
	scripts/bench-refresh.sh

bench-bi:
	scripts/bench-bi.sh

bench-queue:
	scripts/bench-queue.sh

# The export, then the erasure (scripts/bench-gdpr-erase.sh); on demand, not part of make test.
bench-gdpr:
	scripts/bench-gdpr.sh

db-start:
	swift build --product sluice && "$$(swift build --show-bin-path)/sluice" db start

db-stop:
	"$$(swift build --show-bin-path)/sluice" db stop

clean:
	-"$$(swift build --show-bin-path)/sluice" db stop 2>/dev/null
	-"$$(swift build --show-bin-path)/sluice" db stop --dir .sluice-test 2>/dev/null
	rm -rf .build .sluice .sluice-test
