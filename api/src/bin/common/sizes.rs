//! Benchmark sizes from the environment, so CI can run every benchmark once at a small size
//! (`scripts/bench-smoke.sh`) while the full sizes stay the defaults.
// Each benchmark includes this file and uses what it needs of it.
#![allow(dead_code)]

/// `name` as a whole number, else `default`.
pub fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `BENCH_SMOKE=1`: a small run that proves the benchmark still works end to end. Every
/// correctness check still holds; targets on time (which a small debug run cannot show) are
/// printed, not enforced.
pub fn smoke() -> bool {
    std::env::var("BENCH_SMOKE").is_ok_and(|v| v == "1")
}
