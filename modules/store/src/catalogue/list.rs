//! `/store/`: the active products, filtered by category (with its sub-categories), price range,
//! stock and name, sorted, in pages. A page costs the same few queries whatever its size: the
//! category tree, the count, the page of products, and one query for all their main pictures.

use std::collections::{BTreeMap, HashMap};

use bureau_core::poem::handler;
use bureau_core::poem::web::{Html, Query};
use bureau_core::sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, NullOrdering, Order, Query as Sql,
};
use bureau_core::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use bureau_core::{Error, Page, Result, icontains, page_of};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::tree::Tree;
use super::{Rating, Stock, rating, stock};
use crate::config::StoreConfig;
use crate::price::format_price;
use crate::{category, product, product_image};

/// Longer searches are cut: no product name is longer.
pub(crate) const MAX_SEARCH_CHARS: usize = 200;

/// The orders offered, by the name links use, with their labels; the first is the default.
const SORTS: [(&str, &str); 5] = [
    ("newest", "Newest"),
    ("price", "Price, low to high"),
    ("-price", "Price, high to low"),
    ("name", "Name"),
    ("rating", "Best rated"),
];

/// `?category=&q=&min_price=&max_price=&in_stock=&sort=&page=`, as typed by anyone. Every field is
/// text so that no value makes the request fail before the page can say what is wrong with it.
#[derive(Deserialize, Default)]
pub struct ListParams {
    category: Option<String>,
    q: Option<String>,
    min_price: Option<String>,
    max_price: Option<String>,
    in_stock: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// The filters as applied: only values that parsed, so links never carry a mistake along. The
/// page and the API (`crate::api`) build the same query from them.
pub(crate) struct Filters {
    pub category: Option<category::Model>,
    pub search: String,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: bool,
    /// One of [`SORTS`]' names.
    pub sort: &'static str,
}

impl Filters {
    /// The list's address with these filters, `category` instead of the current one, and `page`.
    fn href(&self, category: Option<&str>, sort: &str, page: u64) -> String {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(slug) = category {
            query.push(("category", slug.to_owned()));
        }
        if !self.search.is_empty() {
            query.push(("q", self.search.clone()));
        }
        if let Some(cents) = self.min_price {
            query.push(("min_price", bureau_core::money::format_cents(cents)));
        }
        if let Some(cents) = self.max_price {
            query.push(("max_price", bureau_core::money::format_cents(cents)));
        }
        if self.in_stock {
            query.push(("in_stock", "1".to_owned()));
        }
        if sort != SORTS[0].0 {
            query.push(("sort", sort.to_owned()));
        }
        if page > 1 {
            query.push(("page", page.to_string()));
        }
        match serde_urlencoded::to_string(&query) {
            Ok(encoded) if !encoded.is_empty() => format!("/store/?{encoded}"),
            _ => "/store/".to_owned(),
        }
    }

    fn current_slug(&self) -> Option<&str> {
        self.category.as_ref().map(|c| c.slug.as_str())
    }
}

/// A product as a card on the list.
#[derive(Serialize)]
struct Card {
    name: String,
    href: String,
    price: String,
    stock: Stock,
    rating: Rating,
    picture: Option<Picture>,
}

#[derive(Serialize)]
pub(crate) struct Picture {
    pub url: String,
    pub alt: String,
}

impl Picture {
    /// The image as a page shows it; an address that is neither web nor site-relative (a
    /// `javascript:` or `data:` URL typed into the admin) is not shown at all.
    pub(super) fn of(image: product_image::Model) -> Option<Self> {
        let url = image.url.trim();
        let web = url.starts_with("https://") || url.starts_with("http://");
        // Site paths, and protocol-relative addresses (`//cdn...`).
        (web || url.starts_with('/')).then(|| Self {
            url: url.to_owned(),
            alt: image.alt,
        })
    }
}

/// A price bound from the query string: the amount, or the message for the person who typed it.
fn price_bound(text: Option<&str>) -> (Option<i64>, Option<String>) {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => (None, None),
        // A mistyped bound (a decimal comma, a currency sign) is left out and said so, rather
        // than refusing the whole page: the other filters still narrow the list.
        Some(text) => match bureau_core::money::parse_cents(text) {
            Ok(cents) => (Some(cents), None),
            Err(message) => (
                None,
                Some(format!("{message} This price filter is not applied.")),
            ),
        },
    }
}

fn checked(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("1" | "on" | "true" | "yes"))
}

#[handler]
pub async fn list(page: Page<'_>, Query(params): Query<ListParams>) -> Result<Html<String>> {
    let state = page.state;
    let db = state.db();
    let config = state.config().section::<StoreConfig>("store")?;
    let per_page = Ord::max(config.per_page, 1);
    let tree = Tree::load(db).await?;

    // An unknown category names a page that does not exist, as a stale link to a removed one.
    let category = match params.category.as_deref().map(str::trim) {
        Some(slug) if !slug.is_empty() => Some(tree.by_slug(slug).cloned().ok_or(Error::NotFound)?),
        _ => None,
    };
    let mut errors: BTreeMap<&str, String> = BTreeMap::new();
    let (min_price, min_error) = price_bound(params.min_price.as_deref());
    let (mut max_price, max_error) = price_bound(params.max_price.as_deref());
    errors.extend(min_error.map(|m| ("min_price", m)));
    errors.extend(max_error.map(|m| ("max_price", m)));
    if let (Some(min), Some(max)) = (min_price, max_price)
        && max < min
    {
        errors.insert(
            "max_price",
            "The highest price is below the lowest. This price filter is not applied.".to_owned(),
        );
        max_price = None;
    }
    let filters = Filters {
        category,
        search: params
            .q
            .as_deref()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(MAX_SEARCH_CHARS)
            .collect(),
        min_price,
        max_price,
        in_stock: checked(params.in_stock.as_deref()),
        sort: SORTS
            .iter()
            .map(|(name, _)| *name)
            .find(|name| Some(*name) == params.sort.as_deref().map(str::trim))
            .unwrap_or(SORTS[0].0),
    };

    let query = filtered(&filters, &tree, db.get_database_backend());
    let count = query.clone().count(db).await?;
    let (number, pages) = page_of(params.page.as_deref(), count, per_page)?;
    let products = ordered(query, filters.sort)
        .offset((number - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let mut pictures = main_pictures(db, products.iter().map(|p| p.id).collect()).await?;
    let cards: Vec<Card> = products
        .into_iter()
        .map(|p| Card {
            href: format!("/store/p/{}/", p.slug),
            price: format_price(p.price, &config.currency),
            stock: stock(p.stock),
            rating: rating(&p),
            picture: pictures.remove(&p.id),
            name: p.name,
        })
        .collect();

    let current = filters.category.as_ref().map(|c| c.id);
    let sidebar = tree.branches(current, &|slug| filters.href(Some(slug), filters.sort, 1));
    let here = filters.current_slug();
    // Whether "Clear filters" has anything to clear, mistyped prices included.
    let filtered = filters.category.is_some()
        || !filters.search.is_empty()
        || filters.min_price.is_some()
        || filters.max_price.is_some()
        || filters.in_stock
        || !errors.is_empty();
    let context = json!({
        "products": cards,
        "count": count,
        "category": filters.category.as_ref().map(|c| json!({
            "name": c.name,
            "slug": c.slug,
            "description": c.description,
        })),
        "all_href": filters.href(None, filters.sort, 1),
        "tree": sidebar,
        "values": {
            "q": filters.search,
            "min_price": params.min_price.as_deref().unwrap_or_default().trim(),
            "max_price": params.max_price.as_deref().unwrap_or_default().trim(),
            "in_stock": filters.in_stock,
            "sort": filters.sort,
        },
        "errors": errors,
        "filtered": filtered,
        "sorts": SORTS.iter().map(|(name, label)| json!({ "name": name, "label": label })).collect::<Vec<_>>(),
        "page": number,
        "pages": pages,
        "previous": (number > 1).then(|| filters.href(here, filters.sort, number - 1)),
        "next": (number < pages).then(|| filters.href(here, filters.sort, number + 1)),
    });
    page.render("store/catalogue.html", context).await
}

/// The products the filters let through: active ones in an existing category.
pub(crate) fn filtered(
    filters: &Filters,
    tree: &Tree,
    backend: bureau_core::sea_orm::DbBackend,
) -> Select<product::Entity> {
    let mut query = product::Entity::find()
        .inner_join(category::Entity)
        .filter(product::Column::Active.eq(true));
    if let Some(category) = &filters.category {
        query = query.filter(product::Column::CategoryId.is_in(tree.subtree(category.id)));
    }
    if !filters.search.is_empty() {
        let name = Expr::col((product::Entity, product::Column::Name));
        query = query.filter(icontains(name, &filters.search, backend));
    }
    if let Some(min) = filters.min_price {
        query = query.filter(product::Column::Price.gte(min));
    }
    if let Some(max) = filters.max_price {
        query = query.filter(product::Column::Price.lte(max));
    }
    if filters.in_stock {
        query = query.filter(product::Column::Stock.gt(0));
    }
    query
}

/// The sorts, each ending in the key so that pages never overlap.
pub(crate) fn ordered(query: Select<product::Entity>, sort: &str) -> Select<product::Entity> {
    match sort {
        "price" => query
            .order_by_asc(product::Column::Price)
            .order_by_asc(product::Column::Id),
        "-price" => query
            .order_by_desc(product::Column::Price)
            .order_by_desc(product::Column::Id),
        // Without case, as people read an index: each backend's collation would otherwise put
        // "apron" after "Zester" (SQLite, PostgreSQL's C) or not (MariaDB).
        "name" => query
            .order_by_asc(Func::lower(Expr::col((
                product::Entity,
                product::Column::Name,
            ))))
            .order_by_asc(product::Column::Id),
        "rating" => {
            // The average as a fraction on every backend (integer division would make 4.5 a 4);
            // NULLIF makes it NULL without reviews instead of a division by zero, and NULLs go
            // last. More reviews win a tie: 5.0 from forty people beats 5.0 from one.
            let sum = Expr::col((product::Entity, product::Column::RatingSum));
            let count = Expr::col((product::Entity, product::Column::RatingCount));
            let average = sum.mul(1.0).div(Func::cust("NULLIF").arg(count).arg(0));
            query
                .order_by_with_nulls(average, Order::Desc, NullOrdering::Last)
                .order_by_desc(product::Column::RatingCount)
                .order_by_desc(product::Column::Id)
        }
        _ => query
            .order_by_desc(product::Column::CreatedAt)
            .order_by_desc(product::Column::Id),
    }
}

/// Each product's main picture (the lowest position, then the oldest), in one query for all of
/// `ids`: an image is main when no image of the same product comes before it.
pub(crate) async fn main_pictures(
    db: &bureau_core::sea_orm::DatabaseConnection,
    ids: Vec<i64>,
) -> Result<HashMap<i64, Picture>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let earlier = Alias::new("earlier");
    let this = |column| Expr::col((product_image::Entity, column));
    let other = |column| Expr::col((earlier.clone(), column));
    let before = Sql::select()
        .expr(Expr::val(1))
        .from_as(product_image::Entity, earlier.clone())
        .and_where(
            other(product_image::Column::ProductId).eq(this(product_image::Column::ProductId)),
        )
        .cond_where(
            Condition::any()
                .add(
                    other(product_image::Column::Position)
                        .lt(this(product_image::Column::Position)),
                )
                .add(
                    Condition::all()
                        .add(
                            other(product_image::Column::Position)
                                .eq(this(product_image::Column::Position)),
                        )
                        .add(other(product_image::Column::Id).lt(this(product_image::Column::Id))),
                ),
        )
        .to_owned();
    let images = product_image::Entity::find()
        .filter(product_image::Column::ProductId.is_in(ids))
        .filter(Expr::not_exists(before))
        .all(db)
        .await?;
    Ok(images
        .into_iter()
        .filter_map(|image| Some((image.product_id, Picture::of(image)?)))
        .collect())
}
