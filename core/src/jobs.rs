//! Background jobs: functions modules run every so often while the server runs.
//!
//! A job never runs twice at once in one instance (the next run waits for the last), an error or a
//! panic is logged and the job runs again at its next tick, and shutdown lets a running job finish
//! before the process exits.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior, interval_at};
use tokio_util::sync::CancellationToken;

use crate::{AppState, Config, Error, Result};

type RunFn = dyn Fn(AppState) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send + Sync;

#[derive(Clone)]
pub(crate) struct Job {
    pub module: &'static str,
    pub name: &'static str,
    pub every: Every,
    run: Arc<RunFn>,
}

/// How often a job runs: fixed by the module, or read from the configuration, which is loaded only
/// after the modules are assembled (so a registration cannot know it yet).
#[derive(Clone, Copy)]
pub(crate) enum Every {
    Fixed(Duration),
    Configured(fn(&Config) -> Duration),
}

impl Job {
    pub fn new<F, Fut>(module: &'static str, name: &'static str, every: Every, job: F) -> Self
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        Self {
            module,
            name,
            every,
            run: Arc::new(move |state| Box::pin(job(state))),
        }
    }

    /// The interval under `config`; a configured one of zero is refused, as a fixed one is at
    /// registration (tokio's interval cannot tick every 0 s).
    fn interval(&self, config: &Config) -> Result<Duration> {
        let every = match self.every {
            Every::Fixed(every) => every,
            Every::Configured(every) => every(config),
        };
        if every.is_zero() {
            return Err(Error::Config(format!(
                "job `{}` of module `{}` is configured to run every 0 s; set its interval to at least 1 ms",
                self.name, self.module
            )));
        }
        Ok(every)
    }
}

/// Starts every registered job; they stop at their next tick after `stop` is cancelled. Fails,
/// starting none, when a configured interval is unusable.
pub(crate) fn spawn_all(state: &AppState, stop: CancellationToken) -> Result<JoinSet<()>> {
    let jobs = state
        .registry()
        .jobs()
        .iter()
        .map(|job| Ok((job.clone(), job.interval(state.config())?)))
        .collect::<Result<Vec<_>>>()?;
    let mut set = JoinSet::new();
    for (job, every) in jobs {
        let state = state.clone();
        let stop = stop.clone();
        set.spawn(async move {
            let mut ticks = interval_at(Instant::now() + every, every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = ticks.tick() => {}
                }
                let outcome = AssertUnwindSafe((job.run)(state.clone()))
                    .catch_unwind()
                    .await;
                match outcome {
                    Ok(Ok(())) => tracing::debug!(job = job.name, module = job.module, "job ran"),
                    Ok(Err(error)) => {
                        tracing::warn!(job = job.name, module = job.module, %error, "job failed")
                    }
                    Err(_) => tracing::error!(job = job.name, module = job.module, "job panicked"),
                }
            }
        });
    }
    Ok(set)
}
