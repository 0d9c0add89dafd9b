//! The route table of the HTML areas, built area by area: each area (`pages`, `web`,
//! `subscriptions`, `portal`, `console`) adds its own routes with `pub fn routes(r: &mut Routes)`
//! and `startup` composes them. The table knows which routes take form posts, and how those are
//! authorized, so a test can post to every one of them (`tests/api/forms.rs`).

use poem::{EndpointExt, IntoEndpoint, Response, Route, RouteMethod, get, post};

/// How a form post is authorized, besides its body's own checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Anyone may post, with the CSRF token of their cookie (sign-in, registration, a
    /// subscription).
    Public,
    /// A signed-in person, with the CSRF token (the portal, the account pages).
    SignedIn,
    /// Staff only, with the CSRF token: anyone else finds nothing (404).
    Staff,
    /// The secret in the path authorizes it; no cookie is needed (a mail app's one-click
    /// unsubscribe, a confirmation link).
    PathSecret,
}

/// A form post the table holds: its path template (`:id` segments) and guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormRoute {
    pub path: &'static str,
    pub guard: Guard,
}

/// The routes of the HTML areas, as they are added.
#[derive(Default)]
pub struct Routes {
    table: Vec<(&'static str, RouteMethod)>,
    forms: Vec<FormRoute>,
}

type Boxed = poem::endpoint::BoxEndpoint<'static, Response>;

fn boxed<E>(ep: E) -> Boxed
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    ep.into_endpoint().map_to_response().boxed()
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// A page, a feed or a file: `GET` (and `HEAD`).
    pub fn get<E>(&mut self, path: &'static str, ep: E) -> &mut Self
    where
        E: IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.table.push((path, get(boxed(ep))));
        self
    }

    /// A form post with its guard.
    pub fn post<E>(&mut self, path: &'static str, guard: Guard, ep: E) -> &mut Self
    where
        E: IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.table.push((path, post(boxed(ep))));
        self.forms.push(FormRoute { path, guard });
        self
    }

    /// A page and the form it posts to itself.
    pub fn page_and_form<G, P>(&mut self, path: &'static str, page: G, guard: Guard, form: P) -> &mut Self
    where
        G: IntoEndpoint,
        G::Endpoint: 'static,
        P: IntoEndpoint,
        P::Endpoint: 'static,
    {
        self.table.push((path, get(boxed(page)).post(boxed(form))));
        self.forms.push(FormRoute { path, guard });
        self
    }

    /// Every form post added so far.
    pub fn forms(&self) -> &[FormRoute] {
        &self.forms
    }

    /// The routes as one poem `Route`, to which the caller adds what is not HTML (the API).
    pub fn into_route(self) -> Route {
        self.table.into_iter().fold(Route::new(), |route, (path, method)| route.at(path, method))
    }
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("paths", &self.table.iter().map(|(p, _)| *p).collect::<Vec<_>>())
            .finish()
    }
}
