//! One clock for every process on the host: `CLOCK_MONOTONIC` in nanoseconds.
//!
//! `Instant` is monotonic too, but its value cannot be handed to another process; this one
//! can, so the simulator's send times and a client's receive times can be subtracted.

/// Nanoseconds of `CLOCK_MONOTONIC` (since an arbitrary point, the same for every process).
pub fn mono_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// CPU time of the calling thread, in nanoseconds.
pub fn thread_cpu_ns() -> u64 {
    clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; both clocks always exist on Linux.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64).saturating_mul(1_000_000_000) + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clocks_move_forward() {
        let (a, c) = (mono_ns(), thread_cpu_ns());
        let mut spin = 0u64;
        for i in 0..200_000u64 {
            spin = spin.wrapping_add(std::hint::black_box(i));
        }
        std::hint::black_box(spin);
        assert!(mono_ns() > a);
        assert!(thread_cpu_ns() > c);
    }
}
