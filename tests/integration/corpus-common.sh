# Sourced by tests that compare with the recorded outputs in ../shared/corpus (SHARED=.../shared).
# need_corpus PATH...: every PATH must exist. A missing one is a failure, named in one line: the corpus
# belongs beside the clone, and a differential test that silently does nothing would pass as a success.
# Where it cannot be there by design (a Debian package build), HARDEN_TESTS_WITHOUT_CORPUS=1 turns the
# failure into a skip with the same line.
need_corpus() {
	for _p in "$@"; do
		[ -e "$_p" ] && continue
		if [ "${HARDEN_TESTS_WITHOUT_CORPUS:-0}" = 1 ]; then
			echo "skip: the corpus is missing: no $_p (HARDEN_TESTS_WITHOUT_CORPUS=1)" >&2
			exit 77
		fi
		echo "FAIL: the corpus is missing: no $_p (put the project's shared/ beside the clone, or set HARDEN_TESTS_WITHOUT_CORPUS=1 to skip)" >&2
		exit 1
	done
}
