//! Logs through `tracing` to standard error: readable lines in development, one JSON object per
//! line in production (or as `log.format` says), filtered by `log.level`.

use tracing_subscriber::EnvFilter;

use crate::Config;

pub(crate) fn init(config: &Config) {
    let filter = EnvFilter::builder().parse_lossy(config.log.level.as_str());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A subscriber set earlier (by an embedding program or a test) is kept.
    let _ = if config.json_logs() {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.compact().try_init()
    };
}
