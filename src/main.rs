use clap::Parser;

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

/// glibc raises its mmap threshold each time a large block is freed, so that later large buffers
/// (dispatch files of several MB) come from its heaps, where they stay resident; and it gives
/// threads arenas of their own. A fixed threshold and two arenas keep the gateway's memory from
/// growing with the store (`benches/load/memory.sh`, 300,000 claims: a peak of 194 MB and rising
/// by 10-15 MB per 50,000 without them, 100 MB and rising by about 4 MB with them).
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
