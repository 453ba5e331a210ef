use clap::Parser;

/// jemalloc's per-thread caches: with glibc's two arenas, a third of a FHIR request's time was
/// allocation and the futex waits of threads sharing an arena (docs/PERFORMANCE.md, session 19:
/// FHIR +15 % on SQLite, +36 % on PostgreSQL).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Two arenas, and freed pages returned within a second by jemalloc's own thread, keep resident
/// memory near glibc's (`benches/load/memory.sh 3 50000`: 92-94 MB after the reads against 88-90;
/// mimalloc, tried in session 18, held 200 MB and more).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static JEMALLOC_CONF: &[u8] = b"narenas:2,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> std::process::ExitCode {
    tune_allocator();
    actix_web::rt::System::new().block_on(async {
        match hisgate::cli::run(hisgate::cli::Cli::parse()).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hisgate: {e:#}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}

/// glibc still serves the C libraries (SQLite, libpq, zstd). It raises its mmap threshold each
/// time a large block is freed, so that later large buffers come from its heaps, where they stay
/// resident; and it gives threads arenas of their own. A fixed threshold and two arenas kept the
/// gateway's memory from growing with the store when glibc served everything
/// (`benches/load/memory.sh`, 300,000 claims: a peak of 194 MB and rising by 10-15 MB per 50,000
/// without them, 100 MB and rising by about 4 MB with them).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
