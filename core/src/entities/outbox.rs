//! `core_outbox`: mail and SMS waiting to be sent (or sent, or given up on), written in the same
//! transaction as the change that caused them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "core_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `mail` or `sms`: which transport sends it.
    pub channel: String,
    /// A mail address, or for SMS a phone number in E.164 form.
    pub recipient: String,
    /// Empty for SMS.
    pub subject: String,
    /// The plain text of a mail, or the whole of an SMS.
    #[sea_orm(column_type = "Text")]
    pub text_body: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub html_body: Option<String>,
    /// `pending`, `sent` or `failed` (attempts exhausted).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeWithTimeZone,
    /// While a worker sends it: until when, and the claim that worker holds.
    pub claimed_until: Option<DateTimeWithTimeZone>,
    pub claim_token: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeWithTimeZone,
    pub sent_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const MAIL: &str = "mail";
pub const SMS: &str = "sms";

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
