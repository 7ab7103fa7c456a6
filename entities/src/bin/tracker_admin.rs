//! The tracker's command-line tool: `tracker-admin --help`.
fn main() -> std::process::ExitCode {
    dynamorm::cli::Tool::<dynamorm_entities::TrackerItem>::new()
        .deployment(dynamorm_entities::deployment())
        .run()
}
