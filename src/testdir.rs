//! The temporary directories of the lib crate's tests: the end-to-end
//! tests' own [`TempDir`], so there is one set of rules. A fresh directory
//! whose name carries the pid, a counter and a clock-derived suffix, made
//! with `create_dir` (a name found there is never reused, never removed:
//! test runs in other PID namespaces share /tmp and may hold the same pid),
//! removed on drop (kept with `BWCSTA_KEEP_TEST_DIRS` set).

pub(crate) use bwcsta_integration::support::TempDir;
