//! The catalogue: `GET /products/` (search, category, price range, stock, ordering, pages) and
//! `GET /products/{slug}/`, open to anyone, with the queries of the public catalogue.

use bureau_core::api::{Nullable, Pagination, Problems};
use bureau_core::poem::web::Data;
use bureau_core::poem::{self, Request};
use bureau_core::poem_openapi::param::{Path, Query};
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::types::Example;
use bureau_core::poem_openapi::{self, Enum, Object, OpenApi};
use bureau_core::sea_orm::{PaginatorTrait, QuerySelect};
use bureau_core::{AppState, Error};

use super::{StoreTag, config};
use crate::catalogue::{self, Filters, Tree};
use crate::price::format_price;
use crate::product;

/// How the product list is sorted. Ties are broken by id.
#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename = "ProductOrdering")]
enum ProductOrdering {
    /// Newest first (the default).
    #[oai(rename = "newest")]
    Newest,
    #[oai(rename = "price")]
    Price,
    #[oai(rename = "-price")]
    PriceDesc,
    /// By name, ignoring case.
    #[oai(rename = "name")]
    Name,
    /// Best average rating first; products without reviews last.
    #[oai(rename = "rating")]
    Rating,
}

impl ProductOrdering {
    /// The catalogue's name for the same sort.
    fn sort(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Price => "price",
            Self::PriceDesc => "-price",
            Self::Name => "name",
            Self::Rating => "rating",
        }
    }
}

/// A product on sale.
#[derive(Object)]
#[oai(example)]
struct ProductView {
    id: i64,
    slug: String,
    name: String,
    sku: String,
    description: String,
    category_id: i64,
    /// Tax excluded, in cents of `currency`.
    price_cents: i64,
    /// ISO 4217, e.g. `EUR`.
    currency: String,
    /// The price as customers read it (`€12.50`).
    price_display: String,
    /// Units on hand; 0 is sold out.
    stock: i32,
    weight_grams: i32,
    /// The average approved rating, 1 to 5; null without reviews.
    rating: Nullable<f64>,
    rating_count: i64,
    /// The main picture's URL, if any.
    image: Nullable<String>,
}

impl ProductView {
    fn of(product: product::Model, image: Option<String>, currency: &str) -> Self {
        Self {
            rating: product.rating().into(),
            price_display: format_price(product.price, currency),
            id: product.id,
            slug: product.slug,
            name: product.name,
            sku: product.sku,
            description: product.description,
            category_id: product.category_id,
            price_cents: product.price,
            currency: currency.to_owned(),
            stock: product.stock,
            weight_grams: product.weight_grams,
            rating_count: product.rating_count,
            image: image.into(),
        }
    }
}

/// One page of products.
#[derive(Object)]
struct ProductPage {
    /// How many products match, on all pages.
    count: u64,
    /// The next page's URL, or null on the last page.
    next: Nullable<String>,
    /// The previous page's URL, or null on the first page.
    previous: Nullable<String>,
    results: Vec<ProductView>,
}

pub(super) struct ProductsApi;

#[OpenApi]
impl ProductsApi {
    /// The products on sale, a page at a time, newest first unless `ordering` says otherwise.
    #[oai(
        path = "/products/",
        method = "get",
        operation_id = "listProducts",
        tag = "StoreTag::Catalogue"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Only products whose name contains this text, ignoring case.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00]*$"))]
        q: Query<Option<String>>,
        /// A category's slug: its products and its sub-categories'. An unknown one is not found.
        #[oai(validator(max_length = 120, pattern = r"^[^\x00]*$"))]
        category: Query<Option<String>>,
        /// Lowest price in cents, included.
        #[oai(validator(minimum(value = "0"), maximum(value = "100000000000")))]
        min_price: Query<Option<i64>>,
        /// Highest price in cents, included.
        #[oai(validator(minimum(value = "0"), maximum(value = "100000000000")))]
        max_price: Query<Option<i64>>,
        /// `true`: only products with stock left.
        in_stock: Query<Option<bool>>,
        /// Default `newest`.
        ordering: Query<Option<ProductOrdering>>,
        /// Page number, from 1. A page past the last is not found (404).
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page: Query<Option<u32>>,
        /// Products per page, default 20; values above 100 are lowered to 100.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page_size: Query<Option<u32>>,
    ) -> Result<Json<ProductPage>, Problems<404>> {
        let db = state.db();
        let currency = &config(&state)?.currency;
        let tree = Tree::load(db).await?;
        let category = match category.0.as_deref().map(str::trim) {
            Some(slug) if !slug.is_empty() => {
                Some(tree.by_slug(slug).cloned().ok_or(Error::NotFound)?)
            }
            _ => None,
        };
        let filters = Filters {
            category,
            search: q
                .0
                .as_deref()
                .unwrap_or_default()
                .trim()
                .chars()
                .take(catalogue::MAX_SEARCH_CHARS)
                .collect(),
            min_price: min_price.0,
            max_price: max_price.0,
            in_stock: in_stock.0.unwrap_or(false),
            sort: ordering.0.unwrap_or(ProductOrdering::Newest).sort(),
        };
        let query = catalogue::filtered(&filters, &tree, db.get_database_backend());
        let count = query.clone().count(db).await.map_err(Error::from)?;
        let pagination = Pagination::new(page.0.map(u64::from), page_size.0.map(u64::from));
        let links = pagination.links(req, count)?;
        let products = catalogue::ordered(query, filters.sort)
            .offset(pagination.offset())
            .limit(pagination.limit())
            .all(db)
            .await
            .map_err(Error::from)?;
        let mut pictures =
            catalogue::main_pictures(db, products.iter().map(|p| p.id).collect()).await?;
        let results = products
            .into_iter()
            .map(|p| {
                let image = pictures.remove(&p.id).map(|picture| picture.url);
                ProductView::of(p, image, currency)
            })
            .collect();
        Ok(Json(ProductPage {
            count,
            next: links.next.into(),
            previous: links.previous.into(),
            results,
        }))
    }

    /// A product on sale, by its slug.
    #[oai(
        path = "/products/:slug/",
        method = "get",
        operation_id = "getProduct",
        tag = "StoreTag::Catalogue"
    )]
    async fn product(
        &self,
        state: Data<&AppState>,
        #[oai(validator(max_length = 220))] slug: Path<String>,
    ) -> poem::Result<Json<ProductView>> {
        let db = state.db();
        let currency = &config(&state)?.currency;
        let product = catalogue::shown_product(db, &slug.0).await?;
        let image = catalogue::main_pictures(db, vec![product.id])
            .await?
            .remove(&product.id)
            .map(|p| p.url);
        Ok(Json(ProductView::of(product, image, currency)))
    }
}

// ---- Examples the API document shows -----------------------------------------------------------

impl Example for ProductView {
    fn example() -> Self {
        Self {
            id: 1,
            slug: "stoneware-mug-slate".to_owned(),
            name: "Stoneware mug — Slate".to_owned(),
            sku: "KIT-00001".to_owned(),
            description: "Stoneware mug in slate. Made to last, easy to care for.".to_owned(),
            category_id: 2,
            price_cents: 1350,
            currency: "EUR".to_owned(),
            price_display: format_price(1350, "EUR"),
            stock: 100,
            weight_grams: 380,
            rating: Some(4.5).into(),
            rating_count: 2,
            image: Some("/static/store/kitchen.svg".to_owned()).into(),
        }
    }
}
