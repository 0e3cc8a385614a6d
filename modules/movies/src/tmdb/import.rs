//! Saving one film: found by TMDb id and updated (keeping its local id), or created; its genres
//! and cast replaced. Each film is one transaction, so a failure never leaves half a film.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    NotSet, QueryFilter, Set, TransactionTrait,
};

use super::shapes::{Credits, Film, Genres};
use crate::{cast_member, genre, movie, movie_genre};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Saved {
    Created,
    Updated,
}

pub(crate) async fn save(db: &DatabaseConnection, film: &Film) -> Result<Saved, DbErr> {
    let txn = db.begin().await?;
    let existing = movie::Entity::find()
        .filter(movie::Column::TmdbId.eq(film.tmdb_id))
        .one(&txn)
        .await?;
    let (movie_id, saved) = match existing {
        Some(row) => {
            let id = row.id;
            let mut active: movie::ActiveModel = row.into();
            fill(&mut active, film);
            active.update(&txn).await?;
            (id, Saved::Updated)
        }
        None => {
            let mut active = movie::ActiveModel {
                id: NotSet,
                tmdb_id: Set(Some(film.tmdb_id)),
                // A list entry knows no director; the column has no NULL.
                director: Set(String::new()),
                ..Default::default()
            };
            fill(&mut active, film);
            (active.insert(&txn).await?.id, Saved::Created)
        }
    };
    if let Some(genres) = &film.genres {
        replace_genres(&txn, movie_id, genres).await?;
    }
    if let Some(credits) = &film.credits {
        replace_cast(&txn, movie_id, credits).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// Every column TMDb describes; the director only when the film came with credits.
fn fill(active: &mut movie::ActiveModel, film: &Film) {
    active.title = Set(film.title.clone());
    active.title_search = Set(film.title_search.clone());
    active.overview = Set(film.overview.clone());
    active.release_date = Set(film.release_date);
    active.poster_path = Set(film.poster_path.clone());
    active.vote_average = Set(film.vote_average);
    active.vote_count = Set(film.vote_count);
    active.popularity = Set(film.popularity);
    if let Some(credits) = &film.credits {
        active.director = Set(credits.director.clone());
    }
}

async fn replace_genres(
    txn: &DatabaseTransaction,
    movie_id: i64,
    genres: &Genres,
) -> Result<(), DbErr> {
    let ids: BTreeSet<i64> = match genres {
        Genres::Named(named) => {
            // One row per id: PostgreSQL refuses an upsert that touches a row twice.
            let named: BTreeMap<i64, &String> =
                named.iter().map(|(id, name)| (*id, name)).collect();
            let rows: Vec<genre::ActiveModel> = named
                .iter()
                .map(|(id, name)| genre::ActiveModel {
                    id: Set(*id),
                    name: Set((*name).clone()),
                })
                .collect();
            if !rows.is_empty() {
                // TMDb names genres; a renamed one is renamed here too.
                genre::Entity::insert_many(rows)
                    .on_conflict(
                        OnConflict::column(genre::Column::Id)
                            .update_column(genre::Column::Name)
                            .to_owned(),
                    )
                    .exec(txn)
                    .await?;
            }
            named.into_keys().collect()
        }
        // A list entry gives ids without names: only genres already known can be linked (details
        // name the rest; the demo data has all of TMDb's).
        Genres::Ids(ids) if ids.is_empty() => BTreeSet::new(),
        Genres::Ids(ids) => genre::Entity::find()
            .filter(genre::Column::Id.is_in(ids.iter().copied()))
            .all(txn)
            .await?
            .into_iter()
            .map(|genre| genre.id)
            .collect(),
    };
    movie_genre::Entity::delete_many()
        .filter(movie_genre::Column::MovieId.eq(movie_id))
        .exec(txn)
        .await?;
    if !ids.is_empty() {
        movie_genre::Entity::insert_many(ids.into_iter().map(|genre_id| {
            movie_genre::ActiveModel {
                movie_id: Set(movie_id),
                genre_id: Set(genre_id),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

async fn replace_cast(
    txn: &DatabaseTransaction,
    movie_id: i64,
    credits: &Credits,
) -> Result<(), DbErr> {
    cast_member::Entity::delete_many()
        .filter(cast_member::Column::MovieId.eq(movie_id))
        .exec(txn)
        .await?;
    if !credits.cast.is_empty() {
        cast_member::Entity::insert_many(credits.cast.iter().map(|member| {
            cast_member::ActiveModel {
                id: NotSet,
                movie_id: Set(movie_id),
                position: Set(member.position),
                name: Set(member.name.clone()),
                character: Set(member.character.clone()),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}
