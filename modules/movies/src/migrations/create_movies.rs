//! Films, genres, which genre each film has, and casts; with the indexes the pages sort and
//! filter by.

use sea_orm_migration::prelude::*;

pub(super) struct CreateMovies;

impl MigrationName for CreateMovies {
    fn name(&self) -> &str {
        "m20261123_000001_movies_create_movies"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateMovies {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Genre::Table)
                    .col(
                        ColumnDef::new(Genre::Id)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Genre::Name)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Movie::Table)
                    .col(
                        ColumnDef::new(Movie::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Movie::TmdbId)
                            .big_integer()
                            .null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Movie::Title).string_len(300).not_null())
                    .col(
                        ColumnDef::new(Movie::TitleSearch)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Movie::Overview).text().not_null())
                    .col(ColumnDef::new(Movie::ReleaseDate).date().null())
                    .col(ColumnDef::new(Movie::PosterPath).string_len(300).null())
                    .col(
                        ColumnDef::new(Movie::VoteAverage)
                            .double()
                            .not_null()
                            .default(0.0),
                    )
                    .col(
                        ColumnDef::new(Movie::VoteCount)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Movie::Popularity)
                            .double()
                            .not_null()
                            .default(0.0),
                    )
                    .col(ColumnDef::new(Movie::Director).string_len(200).not_null())
                    .to_owned(),
            )
            .await?;
        // The home page's three orders, each ending in the key so pages never overlap.
        for (name, column) in [
            ("movies_movie_popularity", Movie::Popularity),
            ("movies_movie_release_date", Movie::ReleaseDate),
            ("movies_movie_vote_average", Movie::VoteAverage),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Movie::Table)
                        .col(column)
                        .col(Movie::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(MovieGenre::Table)
                    .col(ColumnDef::new(MovieGenre::MovieId).big_integer().not_null())
                    .col(ColumnDef::new(MovieGenre::GenreId).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(MovieGenre::MovieId)
                            .col(MovieGenre::GenreId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MovieGenre::Table, MovieGenre::MovieId)
                            .to(Movie::Table, Movie::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MovieGenre::Table, MovieGenre::GenreId)
                            .to(Genre::Table, Genre::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A genre's films (the genre filter), the other way round from the key.
        manager
            .create_index(
                Index::create()
                    .name("movies_movie_genre_genre")
                    .table(MovieGenre::Table)
                    .col(MovieGenre::GenreId)
                    .col(MovieGenre::MovieId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CastMember::Table)
                    .col(
                        ColumnDef::new(CastMember::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CastMember::MovieId).big_integer().not_null())
                    .col(ColumnDef::new(CastMember::Position).integer().not_null())
                    .col(ColumnDef::new(CastMember::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(CastMember::Character)
                            .string_len(300)
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CastMember::Table, CastMember::MovieId)
                            .to(Movie::Table, Movie::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A film's cast in billing order; one actor per place.
        manager
            .create_index(
                Index::create()
                    .name("movies_cast_member_movie_position")
                    .table(CastMember::Table)
                    .col(CastMember::MovieId)
                    .col(CastMember::Position)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CastMember::Table.into_iden(),
            MovieGenre::Table.into_iden(),
            Movie::Table.into_iden(),
            Genre::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Genre {
    #[sea_orm(iden = "movies_genre")]
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum Movie {
    #[sea_orm(iden = "movies_movie")]
    Table,
    Id,
    TmdbId,
    Title,
    TitleSearch,
    Overview,
    ReleaseDate,
    PosterPath,
    VoteAverage,
    VoteCount,
    Popularity,
    Director,
}

#[derive(DeriveIden)]
enum MovieGenre {
    #[sea_orm(iden = "movies_movie_genre")]
    Table,
    MovieId,
    GenreId,
}

#[derive(DeriveIden)]
enum CastMember {
    #[sea_orm(iden = "movies_cast_member")]
    Table,
    Id,
    MovieId,
    Position,
    Name,
    Character,
}
