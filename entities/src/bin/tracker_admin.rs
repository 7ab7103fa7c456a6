//! The tracker's command-line tool: `tracker-admin --help`.
fn main() -> std::process::ExitCode {
    dynamorm::cli::run::<dynamorm_entities::TrackerItem>()
}
