//! `/store/p/<slug>/`: a product's page — pictures, description, price, stock, its place in the
//! category tree, approved reviews in pages, the add-to-cart form, and the review form for those
//! who may write one.

use bureau_core::entities::user;
use bureau_core::flash::Level;
use bureau_core::poem::http::StatusCode;
use bureau_core::poem::web::{Path, Query};
use bureau_core::poem::{IntoResponse, Response, handler};
use bureau_core::sea_orm::prelude::DateTimeWithTimeZone;
use bureau_core::sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use bureau_core::{Error, FieldErrors, Page, Result, page_of};
use serde::Deserialize;
use serde_json::json;

use super::list::Picture;
use super::reviews::{
    ALREADY, BODY_MAX_CHARS, NOT_BOUGHT, ReviewForm, Standing, TITLE_MAX_CHARS, standing,
};
use super::tree::Tree;
use super::{rating, stock};
use crate::config::StoreConfig;
use crate::price::format_price;
use crate::{category, product, product_image, review};

/// Approved reviews shown per page of a product.
const REVIEWS_PER_PAGE: u64 = 10;

/// The rating choices of the review form, best last as on most scales.
const RATINGS: [(i16, &str); 5] = [
    (1, "Poor"),
    (2, "Fair"),
    (3, "Good"),
    (4, "Very good"),
    (5, "Excellent"),
];

/// The product `slug` names, if the public may see it: active, in an existing category.
pub(crate) async fn shown_product(db: &DatabaseConnection, slug: &str) -> Result<product::Model> {
    product::Entity::find()
        .inner_join(category::Entity)
        .filter(product::Column::Slug.eq(slug))
        .filter(product::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// What a submitted review form comes back with: the answer's status, what was typed, and what
/// is wrong with it.
#[derive(Default)]
pub(super) struct Attempt {
    pub status: StatusCode,
    pub form: ReviewForm,
    pub errors: FieldErrors,
    /// Above the form, for the review as a whole.
    pub message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DetailParams {
    /// The page of reviews.
    page: Option<String>,
}

#[handler]
pub async fn detail(
    page: Page<'_>,
    Path(slug): Path<String>,
    Query(params): Query<DetailParams>,
) -> Result<Response> {
    let product = shown_product(page.state.db(), &slug).await?;
    show(&page, product, params.page.as_deref(), Attempt::default()).await
}

/// An approved review with its author's name, read in one query.
#[derive(FromQueryResult)]
struct ShownReview {
    user_id: i64,
    rating: i16,
    title: String,
    body: String,
    created_at: DateTimeWithTimeZone,
    author: Option<String>,
}

/// Renders the product's page; `attempt` carries a submitted review form back to its author.
pub(super) async fn show(
    page: &Page<'_>,
    product: product::Model,
    reviews_page: Option<&str>,
    attempt: Attempt,
) -> Result<Response> {
    let state = page.state;
    let db = state.db();
    let config = state.config().section::<StoreConfig>("store")?;
    let tree = Tree::load(db).await?;
    let breadcrumb: Vec<_> = tree
        .ancestors(product.category_id)
        .into_iter()
        .map(|c| {
            json!({
                "name": c.name,
                "href": format!("/store/?category={}", urlencoded(&c.slug)),
            })
        })
        .collect();
    let images: Vec<Picture> = product_image::Entity::find()
        .filter(product_image::Column::ProductId.eq(product.id))
        .order_by_asc(product_image::Column::Position)
        .order_by_asc(product_image::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(Picture::of)
        .collect();

    let approved = review::Entity::find()
        .filter(review::Column::ProductId.eq(product.id))
        .filter(review::Column::Status.eq(review::APPROVED));
    let count = approved.clone().count(db).await?;
    let (number, pages) = page_of(reviews_page, count, REVIEWS_PER_PAGE)?;
    let shown = approved
        .join(JoinType::LeftJoin, review::Relation::User.def())
        .column_as(user::Column::Username, "author")
        .order_by_desc(review::Column::CreatedAt)
        .order_by_desc(review::Column::Id)
        .offset((number - 1) * REVIEWS_PER_PAGE)
        .limit(REVIEWS_PER_PAGE)
        .into_model::<ShownReview>()
        .all(db)
        .await?;
    let viewer = page.user.as_ref();
    let reviews: Vec<_> = shown
        .into_iter()
        .map(|r| {
            json!({
                "rating": r.rating,
                "title": r.title,
                "body": r.body,
                "author": r.author,
                "date": r.created_at.format("%-d %B %Y").to_string(),
                "datetime": r.created_at.to_rfc3339(),
                "mine": viewer.is_some_and(|u| u.id == r.user_id),
            })
        })
        .collect();

    let standing = standing(db, viewer, product.id).await?;
    let own = match &standing {
        Standing::Reviewed(own) => Some(json!({
            "rating": own.rating,
            "title": own.title,
            "body": own.body,
            "status": own.status,
            "date": own.created_at.format("%-d %B %Y").to_string(),
        })),
        _ => None,
    };
    let here = format!("/store/p/{}/", product.slug);
    let review_link = |n: u64| {
        if n > 1 {
            format!("{here}?page={n}#reviews")
        } else {
            format!("{here}#reviews")
        }
    };
    let context = json!({
        "product": {
            "id": product.id,
            "name": product.name,
            "slug": product.slug,
            "sku": product.sku,
            "description": product.description,
            "price": format_price(product.price, &config.currency),
            "units": product.stock,
            "stock": stock(product.stock),
            "rating": rating(&product),
        },
        "images": images,
        "breadcrumb": breadcrumb,
        "reviews": reviews,
        "review_count": count,
        "review_page": number,
        "review_pages": pages,
        "reviews_previous": (number > 1).then(|| review_link(number - 1)),
        "reviews_next": (number < pages).then(|| review_link(number + 1)),
        "standing": standing.name(),
        "own": own,
        "already": ALREADY,
        "not_bought": NOT_BOUGHT,
        "login_href": format!("/accounts/login/?{}", serde_urlencoded::to_string([("next", format!("{here}#review-form"))]).unwrap_or_default()),
        "ratings": RATINGS.iter().map(|(value, label)| json!({ "value": value.to_string(), "label": label })).collect::<Vec<_>>(),
        "title_max": TITLE_MAX_CHARS,
        "body_max": BODY_MAX_CHARS,
        "values": attempt.form,
        "errors": attempt.errors.by_field(),
        "form_message": attempt.message.clone(),
    });
    // Also at the top of the page, where a reloaded page starts — on a phone the form is far
    // below the pictures.
    if let Some(message) = attempt.message {
        page.flash(Level::Error, message).await?;
    }
    // The add-to-cart and review forms need the session's CSRF token.
    Ok(page
        .render_form("store/product.html", context)
        .await?
        .with_status(attempt.status)
        .into_response())
}

fn urlencoded(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|pair| pair.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
