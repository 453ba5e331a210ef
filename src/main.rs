use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    match hisgate::cli::run(hisgate::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hisgate: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
