//! The category tree, read whole in one query: the table is small (tens of rows), and one read
//! answers every question a page asks of it — a category's sub-categories for the filter, its
//! ancestors for the breadcrumb, the sidebar — without a query per level.

use std::collections::{HashMap, HashSet};

use bureau_core::Result;
use bureau_core::sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde::Serialize;

use crate::category;

pub(crate) struct Tree {
    nodes: Vec<category::Model>,
    by_id: HashMap<i64, usize>,
    /// Children by parent id, in name order; `None` holds the top-level categories.
    children: HashMap<Option<i64>, Vec<usize>>,
}

/// A category in the sidebar, with its sub-categories.
#[derive(Serialize)]
pub(crate) struct Branch {
    pub name: String,
    pub slug: String,
    pub href: String,
    pub current: bool,
    /// The current category is this one or below it, and it has sub-categories to show.
    pub open: bool,
    pub children: Vec<Branch>,
}

impl Tree {
    pub(crate) async fn load(db: &DatabaseConnection) -> Result<Self> {
        let nodes = category::Entity::find()
            .order_by_asc(category::Column::Name)
            .order_by_asc(category::Column::Id)
            .all(db)
            .await?;
        Ok(Self::new(nodes))
    }

    fn new(nodes: Vec<category::Model>) -> Self {
        let by_id = nodes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let mut children: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            children.entry(node.parent_id).or_default().push(i);
        }
        Self {
            nodes,
            by_id,
            children,
        }
    }

    pub(crate) fn by_slug(&self, slug: &str) -> Option<&category::Model> {
        self.nodes.iter().find(|c| c.slug == slug)
    }

    /// `id` and every category below it, at any depth. Nothing in the schema stops an admin
    /// from making a cycle (A under B under A), so each category is visited once.
    pub(crate) fn subtree(&self, id: i64) -> Vec<i64> {
        let mut seen = HashSet::from([id]);
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            for &child in self.children.get(&Some(at)).into_iter().flatten() {
                let child = self.nodes[child].id;
                if seen.insert(child) {
                    stack.push(child);
                }
            }
        }
        let mut ids: Vec<i64> = seen.into_iter().collect();
        ids.sort_unstable();
        ids
    }

    /// The categories from the top of the tree down to `id`, itself included; a cycle or a
    /// missing parent ends the walk.
    pub(crate) fn ancestors(&self, id: i64) -> Vec<&category::Model> {
        let mut path = Vec::new();
        let mut seen = HashSet::new();
        let mut at = Some(id);
        while let Some(id) = at {
            let Some(&i) = self.by_id.get(&id) else {
                break;
            };
            if !seen.insert(id) {
                break;
            }
            path.push(&self.nodes[i]);
            at = self.nodes[i].parent_id;
        }
        path.reverse();
        path
    }

    /// The sidebar: every category reachable from the top, `current` marked and its ancestors
    /// open; `href` makes each one's link (keeping the page's other filters).
    pub(crate) fn branches(
        &self,
        current: Option<i64>,
        href: &dyn Fn(&str) -> String,
    ) -> Vec<Branch> {
        let open: HashSet<i64> = current
            .map(|id| self.ancestors(id).iter().map(|c| c.id).collect())
            .unwrap_or_default();
        let mut seen = HashSet::new();
        self.level(None, current, &open, href, &mut seen)
    }

    fn level(
        &self,
        parent: Option<i64>,
        current: Option<i64>,
        open: &HashSet<i64>,
        href: &dyn Fn(&str) -> String,
        seen: &mut HashSet<i64>,
    ) -> Vec<Branch> {
        let mut out = Vec::new();
        for &i in self.children.get(&parent).into_iter().flatten() {
            let node = &self.nodes[i];
            if !seen.insert(node.id) {
                continue;
            }
            let children = self.level(Some(node.id), current, open, href, seen);
            out.push(Branch {
                name: node.name.clone(),
                slug: node.slug.clone(),
                href: href(&node.slug),
                current: current == Some(node.id),
                open: open.contains(&node.id) && !children.is_empty(),
                children,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Tree;
    use crate::category;

    fn node(id: i64, parent_id: Option<i64>, name: &str) -> category::Model {
        category::Model {
            id,
            parent_id,
            name: name.to_owned(),
            slug: name.to_lowercase(),
            description: String::new(),
        }
    }

    #[test]
    fn subtrees_and_ancestors_follow_every_level() {
        let tree = Tree::new(vec![
            node(1, None, "Kitchen"),
            node(2, Some(1), "Mugs"),
            node(3, Some(2), "Espresso"),
            node(4, None, "Office"),
        ]);
        assert_eq!(tree.subtree(1), vec![1, 2, 3]);
        assert_eq!(tree.subtree(3), vec![3]);
        let names: Vec<&str> = tree.ancestors(3).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Kitchen", "Mugs", "Espresso"]);
        let sidebar = tree.branches(Some(3), &|slug| format!("?category={slug}"));
        assert_eq!(sidebar.len(), 2);
        assert!(sidebar[0].open && !sidebar[0].current);
        assert!(sidebar[0].children[0].children[0].current);
        assert!(!sidebar[1].open);
    }

    #[test]
    fn a_cycle_made_in_the_admin_ends_the_walks() {
        let tree = Tree::new(vec![node(1, Some(2), "A"), node(2, Some(1), "B")]);
        assert_eq!(tree.subtree(1), vec![1, 2]);
        assert_eq!(tree.ancestors(1).len(), 2);
        assert!(tree.branches(None, &|s| s.to_owned()).is_empty());
    }
}
