//! A stand-in for Twilio's Programmable Messaging API for the SMS tests, served by poem on a free
//! port of 127.0.0.1. It checks what Twilio checks (the path, Basic auth, the form fields), answers
//! as Twilio does (201 with the message, errors as `{code, message, more_info, status}`), records
//! every request, and gives the answers a test scripts (500, 429, ...) before the normal ones.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bureau_core::poem::http::StatusCode;
use bureau_core::poem::listener::{Acceptor, Listener, TcpListener};
use bureau_core::poem::web::Data;
use bureau_core::poem::web::headers::authorization::Basic;
use bureau_core::poem::web::headers::{Authorization, HeaderMapExt};
use bureau_core::poem::{EndpointExt, Request, Response, Route, handler};
use serde_json::json;

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "tw1l10-t0ken-that-must-not-leak";
/// Twilio's magic test number that it refuses as invalid (error 21211).
pub const INVALID_NUMBER: &str = "+15005550001";

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    /// The Basic auth user and password, when the request had them.
    pub login: Option<(String, String)>,
    /// The form fields in the order sent.
    pub form: Vec<(String, String)>,
    /// The status the stand-in answered.
    pub status: u16,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// An answer a test asks for ahead of the normal ones.
#[derive(Clone, Copy, Debug)]
pub enum Scripted {
    /// 500 with an HTML page, as a failing proxy in front of an API answers.
    ServerError,
    /// 429 with Twilio's error 20429.
    TooManyRequests,
}

#[derive(Default)]
pub struct FakeTwilio {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Scripted>>,
}

impl FakeTwilio {
    /// Serves a stand-in for as long as the test runs; returns it with its base URL.
    pub async fn start() -> (Arc<Self>, String) {
        let fake = Arc::new(Self::default());
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr: SocketAddr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
        let app = Route::new().at("/*path", fake_twilio).data(fake.clone());
        tokio::spawn(bureau_core::poem::Server::new_with_acceptor(acceptor).run(app));
        (fake, format!("http://{addr}"))
    }

    /// The next requests get these answers, in order.
    pub fn script(&self, answers: &[Scripted]) {
        self.script.lock().unwrap().extend(answers);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests answered 201: the messages Twilio would deliver.
    pub fn delivered(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|request| request.status == 201)
            .collect()
    }

    /// Waits until `count` messages were delivered and returns them.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let delivered = self.delivered();
            if delivered.len() >= count {
                return delivered;
            }
            assert!(
                start.elapsed() < limit,
                "the Twilio stand-in delivered {} of {count} messages within {limit:?}: {:?}",
                delivered.len(),
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn twilio_error(status: StatusCode, code: i64, message: &str) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(
            json!({
                "code": code,
                "message": message,
                "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
                "status": status.as_u16(),
            })
            .to_string(),
        )
}

#[handler]
async fn fake_twilio(request: &Request, body: Vec<u8>, fake: Data<&Arc<FakeTwilio>>) -> Response {
    let login = request
        .headers()
        .typed_get::<Authorization<Basic>>()
        .map(|auth| (auth.username().to_owned(), auth.password().to_owned()));
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut received = Received {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        content_type,
        login,
        form,
        status: 0,
    };
    let response = answer(&received, &fake);
    received.status = response.status().as_u16();
    fake.received.lock().unwrap().push(received);
    response
}

fn answer(request: &Received, fake: &FakeTwilio) -> Response {
    let resource = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json");
    if request.method != "POST" || request.path != resource {
        return twilio_error(
            StatusCode::NOT_FOUND,
            20404,
            "The requested resource was not found",
        );
    }
    if request.login != Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned())) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    if request.content_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return twilio_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            20415,
            "Unsupported media type",
        );
    }
    let Some(to) = request.field("To") else {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            21604,
            "A 'To' phone number is required.",
        );
    };
    let from = request
        .field("From")
        .or(request.field("MessagingServiceSid"));
    if from.is_none() {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            21603,
            "A 'From' phone number is required.",
        );
    }
    if request.field("Body").is_none_or(str::is_empty) {
        return twilio_error(StatusCode::BAD_REQUEST, 21602, "Message body is required.");
    }
    if to == INVALID_NUMBER {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        );
    }
    match fake.script.lock().unwrap().pop_front() {
        Some(Scripted::ServerError) => {
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .content_type("text/html")
                .body("<html><body>Internal Server Error</body></html>");
        }
        Some(Scripted::TooManyRequests) => {
            return twilio_error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
        }
        None => {}
    }
    let sid = format!("SM{:032x}", fake.received.lock().unwrap().len());
    Response::builder()
        .status(StatusCode::CREATED)
        .content_type("application/json")
        .body(
            json!({
                "sid": sid,
                "account_sid": ACCOUNT_SID,
                "to": to,
                "from": request.field("From"),
                "messaging_service_sid": request.field("MessagingServiceSid"),
                "body": request.field("Body"),
                "status": "queued",
                "num_segments": "1",
                "error_code": null,
                "error_message": null,
                "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"),
            })
            .to_string(),
        )
}
