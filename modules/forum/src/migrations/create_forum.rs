//! Posts, votes and reports, with the indexes the forum's lists and the moderation queue use.

use sea_orm_migration::prelude::*;

pub(super) struct CreateForum;

impl MigrationName for CreateForum {
    fn name(&self) -> &str {
        "m20261123_000001_forum_create_forum"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateForum {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Post::Table)
                    .col(
                        ColumnDef::new(Post::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Post::AuthorId).big_integer().not_null())
                    .col(ColumnDef::new(Post::MovieId).big_integer().null())
                    .col(ColumnDef::new(Post::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Post::Body).text().not_null())
                    .col(
                        ColumnDef::new(Post::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Post::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Post::Score)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Post::Hidden)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Post::Locked)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Post::Table, Post::AuthorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Post::Table, Post::MovieId)
                            .to(Movie::Table, Movie::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The forum's orders (new, top), a film's posts, an author's posts.
        for (name, columns) in [
            ("forum_post_created", vec![Post::CreatedAt, Post::Id]),
            ("forum_post_score", vec![Post::Score, Post::Id]),
            (
                "forum_post_movie_created",
                vec![Post::MovieId, Post::CreatedAt, Post::Id],
            ),
            ("forum_post_author", vec![Post::AuthorId, Post::CreatedAt]),
        ] {
            let mut index = Index::create().name(name).table(Post::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Vote::Table)
                    .col(ColumnDef::new(Vote::PostId).big_integer().not_null())
                    .col(ColumnDef::new(Vote::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Vote::Value).small_integer().not_null())
                    // One vote per user and post, whatever runs at once.
                    .primary_key(Index::create().col(Vote::PostId).col(Vote::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vote::Table, Vote::PostId)
                            .to(Post::Table, Post::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vote::Table, Vote::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(Expr::col(Vote::Value).is_in([1, -1]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("forum_vote_user")
                    .table(Vote::Table)
                    .col(Vote::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Report::Table)
                    .col(
                        ColumnDef::new(Report::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Report::PostId).big_integer().not_null())
                    .col(ColumnDef::new(Report::ReporterId).big_integer().not_null())
                    .col(ColumnDef::new(Report::Reason).text().not_null())
                    .col(
                        ColumnDef::new(Report::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Report::Resolved)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Report::Table, Report::PostId)
                            .to(Post::Table, Post::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Report::Table, Report::ReporterId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The moderation queue: open reports, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("forum_report_queue")
                    .table(Report::Table)
                    .col(Report::Resolved)
                    .col(Report::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Report::Table.into_iden(),
            Vote::Table.into_iden(),
            Post::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Post {
    #[sea_orm(iden = "forum_post")]
    Table,
    Id,
    AuthorId,
    MovieId,
    Title,
    Body,
    CreatedAt,
    UpdatedAt,
    Score,
    Hidden,
    Locked,
}

#[derive(DeriveIden)]
enum Vote {
    #[sea_orm(iden = "forum_vote")]
    Table,
    PostId,
    UserId,
    Value,
}

#[derive(DeriveIden)]
enum Report {
    #[sea_orm(iden = "forum_report")]
    Table,
    Id,
    PostId,
    ReporterId,
    Reason,
    CreatedAt,
    Resolved,
}

#[derive(DeriveIden)]
enum User {
    #[sea_orm(iden = "core_user")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Movie {
    #[sea_orm(iden = "movies_movie")]
    Table,
    Id,
}
