fn main() -> std::process::ExitCode {
    bureau::app().run_cli()
}
