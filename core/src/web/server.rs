//! The HTTP server: the router with the middleware stack around it, bound and run until shutdown.

use std::future::Future;
use std::net::SocketAddr;

use poem::endpoint::BoxEndpoint;
use poem::listener::{Acceptor, TcpAcceptor};
use poem::{EndpointExt, Route, RouteMethod};

use super::{
    body_limit, compression, cors, csrf, errors, headers, hosts, load_shedding, queries, request,
};
use crate::registry::Endpoints;
use crate::session;
use crate::{AppState, Error, Result};

/// The whole app as one endpoint.
pub(crate) fn endpoint(state: &AppState, endpoints: Endpoints) -> Result<BoxEndpoint<'static>> {
    let mut route = Route::new();
    for (path, handlers) in endpoints.pages {
        let methods = handlers
            .into_iter()
            .fold(RouteMethod::new(), |methods, (method, ep)| {
                methods.method(method, ep)
            });
        route = route
            .try_at(&path, methods)
            .map_err(|e| Error::Registration(format!("route `{path}`: {e}")))?;
    }
    for (prefix, ep) in endpoints.apis {
        route = route
            .try_nest(&prefix, ep)
            .map_err(|e| Error::Registration(format!("API at `{prefix}`: {e}")))?;
    }
    let config = state.config();
    let app = route.data(state.clone());
    let app = csrf::check(app);
    let app = session::middleware(app, state.clone());
    let app = body_limit::limit(app, config.server.max_body_bytes);
    let app = cors::preflight(app, config.cors.clone(), config.app.debug);
    let app = hosts::check(app, config.server.allowed_hosts.clone(), config.app.debug);
    let app = load_shedding::shed(app, config.server.max_in_flight, state);
    let app = errors::pages(app, state.clone());
    let app = cors::headers(app, config.cors.clone());
    let app = if config.server.compression {
        compression::gzip(app).boxed()
    } else {
        app.boxed()
    };
    let app = queries::report(app, config.app.debug);
    let app = headers::security(app, config.security.clone());
    let app = request::context(app, config.server.trusted_proxies.clone());
    Ok(app.boxed())
}

/// A bound listener, so the caller knows the address (port 0 picks a free one) before serving.
pub(crate) struct Listener {
    acceptor: TcpAcceptor,
    pub addr: SocketAddr,
}

pub(crate) async fn bind(addr: SocketAddr) -> Result<Listener> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::io(format!("listening on {addr}"), e))?;
    let acceptor = TcpAcceptor::from_tokio(listener).map_err(|e| Error::io("listening", e))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .unwrap_or(addr);
    Ok(Listener { acceptor, addr })
}

/// Serves until `shutdown` completes, then stops accepting connections and lets requests in
/// flight finish, for at most `state.config().server.shutdown_timeout`.
pub(crate) async fn serve(
    listener: Listener,
    app: BoxEndpoint<'static>,
    state: &AppState,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<()> {
    poem::Server::new_with_acceptor(listener.acceptor)
        .run_with_graceful_shutdown(
            app,
            shutdown,
            Some(state.config().server.shutdown_timeout()),
        )
        .await
        .map_err(|e| Error::io("serving HTTP", e))
}
