//! Reviews by customers: who may write one (`standing`), what a valid one is (`NewReview`), and
//! sending one (`create`). A review waits as `pending` until a moderator approves it in the
//! admin; the product's rating figures then follow through the database's triggers.

use bureau_core::entities::user;
use bureau_core::flash::Level;
use bureau_core::poem::http::StatusCode;
use bureau_core::poem::web::{Form, Path};
use bureau_core::poem::{Response, handler};
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter,
    QuerySelect, RelationTrait, SelectExt, Set, SqlErr,
};
use bureau_core::{Error, FieldErrors, Page, Result};
use serde::{Deserialize, Serialize};

use super::detail::{Attempt, show, shown_product};
use crate::orders::Status;
use crate::{order, order_line, review};

pub(super) const TITLE_MAX_CHARS: usize = 200;
pub(super) const BODY_MAX_CHARS: usize = 5000;

/// Orders in these states were paid for, so their customers have the product (or will have it).
/// A pending, cancelled or refunded order does not make a reviewer.
const BOUGHT: [&str; 3] = [
    Status::Paid.as_str(),
    Status::Shipped.as_str(),
    Status::Delivered.as_str(),
];

pub(super) const THANKS: &str = "Thanks — your review will appear once a moderator has read it.";
pub(super) const ALREADY: &str = "You have already reviewed this product.";
pub(super) const NOT_BOUGHT: &str =
    "Only customers who bought this product can review it, once their order is paid.";
const NOT_SENT: &str = "Your review is not sent yet: correct what is marked below.";

/// Where the viewer stands towards reviewing the product.
pub(super) enum Standing {
    Anonymous,
    /// Their one review, whatever its status.
    Reviewed(review::Model),
    Buyer,
    NotBuyer,
}

impl Standing {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Reviewed(_) => "reviewed",
            Self::Buyer => "buyer",
            Self::NotBuyer => "not_buyer",
        }
    }
}

pub(super) async fn standing(
    db: &DatabaseConnection,
    user: Option<&user::Model>,
    product_id: i64,
) -> Result<Standing> {
    let Some(user) = user else {
        return Ok(Standing::Anonymous);
    };
    let own = review::Entity::find()
        .filter(review::Column::ProductId.eq(product_id))
        .filter(review::Column::UserId.eq(user.id))
        .one(db)
        .await?;
    if let Some(own) = own {
        return Ok(Standing::Reviewed(own));
    }
    let bought = order_line::Entity::find()
        .join(JoinType::InnerJoin, order_line::Relation::Order.def())
        .filter(order_line::Column::ProductId.eq(product_id))
        .filter(order::Column::UserId.eq(user.id))
        .filter(order::Column::Status.is_in(BOUGHT))
        .exists(db)
        .await?;
    Ok(if bought {
        Standing::Buyer
    } else {
        Standing::NotBuyer
    })
}

/// The review form as sent: text, so that anything typed comes back to the person unchanged.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct ReviewForm {
    pub rating: String,
    pub title: String,
    pub body: String,
}

/// A review that can be saved: rating 1–5, a title of 1–200 characters, a body of at most 5000.
pub(super) struct NewReview {
    rating: i16,
    title: String,
    body: String,
}

impl NewReview {
    pub(super) fn parse(form: &ReviewForm) -> std::result::Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let rating = form
            .rating
            .trim()
            .parse::<i16>()
            .ok()
            .filter(|r| (1..=5).contains(r));
        if rating.is_none() {
            errors.add("rating", "Choose a rating from 1 to 5 stars.");
        }
        let title = form.title.trim().to_owned();
        let title_chars = title.chars().count();
        if title.is_empty() {
            errors.add("title", "Give your review a title.");
        } else if title_chars > TITLE_MAX_CHARS {
            errors.add(
                "title",
                format!(
                    "Ensure this field has no more than {TITLE_MAX_CHARS} characters (it has {title_chars})."
                ),
            );
        } else if title.chars().any(char::is_control) {
            errors.add("title", "Control characters are not allowed.");
        }
        // Browsers send a textarea's line breaks as CRLF but count them as one character
        // against `maxlength`; count them the same way.
        let body = form.body.replace("\r\n", "\n").trim().to_owned();
        let body_chars = body.chars().count();
        if body_chars > BODY_MAX_CHARS {
            errors.add(
                "body",
                format!(
                    "Ensure this field has no more than {BODY_MAX_CHARS} characters (it has {body_chars})."
                ),
            );
        } else if body
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            // PostgreSQL refuses NUL in text, and nobody types the others.
            errors.add("body", "Control characters are not allowed.");
        }
        match rating {
            Some(rating) if errors.is_empty() => Ok(Self {
                rating,
                title,
                body,
            }),
            _ => Err(errors),
        }
    }
}

/// `POST /store/p/<slug>/review/`: checks everything the page checked, again, since anyone can
/// post anything; the unique index on (product, user) settles two submissions at once.
#[handler]
pub async fn create(
    page: Page<'_>,
    Path(slug): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    let db = page.state.db();
    let product = shown_product(db, &slug).await?;
    let back = format!("/store/p/{}/", product.slug);
    let Some(user) = page.user.clone() else {
        // Back to the product afterwards: this address answers only POST.
        let next = serde_urlencoded::to_string([("next", back.as_str())]).unwrap_or_default();
        return Ok(page.redirect(&format!("/accounts/login/?{next}")));
    };
    let refused = |status: StatusCode, message: &str| Attempt {
        status,
        form: form.clone(),
        errors: FieldErrors::new(),
        message: Some(message.to_owned()),
    };
    match standing(db, Some(&user), product.id).await? {
        Standing::Reviewed(_) => {
            return show(&page, product, None, refused(StatusCode::CONFLICT, ALREADY)).await;
        }
        Standing::NotBuyer | Standing::Anonymous => {
            return show(
                &page,
                product,
                None,
                refused(StatusCode::FORBIDDEN, NOT_BOUGHT),
            )
            .await;
        }
        Standing::Buyer => {}
    }
    let new = match NewReview::parse(&form) {
        Ok(new) => new,
        Err(errors) => {
            let attempt = Attempt {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                message: Some(NOT_SENT.to_owned()),
            };
            return show(&page, product, None, attempt).await;
        }
    };
    let saved = review::ActiveModel {
        product_id: Set(product.id),
        user_id: Set(user.id),
        rating: Set(new.rating),
        title: Set(new.title),
        body: Set(new.body),
        status: Set(review::PENDING.to_owned()),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        ..Default::default()
    }
    .insert(db)
    .await;
    match saved {
        Ok(_) => {}
        // A second submission that passed the check above at the same moment as the first.
        Err(error) if is_unique_violation(&error) => {
            return show(&page, product, None, refused(StatusCode::CONFLICT, ALREADY)).await;
        }
        // The product was deleted since it was read.
        Err(error)
            if matches!(
                error.sql_err(),
                Some(SqlErr::ForeignKeyConstraintViolation(_))
            ) =>
        {
            return Err(Error::NotFound);
        }
        Err(error) => return Err(error.into()),
    }
    page.flash(Level::Success, THANKS).await?;
    Ok(page.redirect(&format!("{back}#your-review")))
}

fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

#[cfg(test)]
mod tests {
    use super::{NewReview, ReviewForm};

    fn form(rating: &str, title: &str, body: &str) -> ReviewForm {
        ReviewForm {
            rating: rating.to_owned(),
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    fn fields(form: &ReviewForm) -> Vec<String> {
        match NewReview::parse(form) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.field.clone()).collect(),
        }
    }

    #[test]
    fn reviews_are_checked_field_by_field() {
        assert!(fields(&form("5", "Great", "")).is_empty(), "no body needed");
        assert!(fields(&form("1", &"t".repeat(200), &"b".repeat(5000))).is_empty());
        assert_eq!(fields(&form("0", "Fine", "")), ["rating"]);
        assert_eq!(fields(&form("6", "Fine", "")), ["rating"]);
        assert_eq!(fields(&form("", "Fine", "")), ["rating"]);
        assert_eq!(fields(&form("4.5", "  ", "")), ["rating", "title"]);
        assert_eq!(fields(&form("3", &"t".repeat(201), "")), ["title"]);
        assert_eq!(fields(&form("3", "Fine", &"b".repeat(5001))), ["body"]);
        assert_eq!(fields(&form("3", "Fine", "nul \0 here")), ["body"]);
        assert_eq!(fields(&form("3", "Tab\tin title", "")), ["title"]);
        let crlf = "line\r\n".repeat(1000);
        assert!(
            fields(&form("3", "Fine", &crlf)).is_empty(),
            "CRLF counts as one"
        );
    }
}
