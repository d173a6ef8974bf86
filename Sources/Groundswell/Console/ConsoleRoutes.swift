import HTTPServer

/// The staff console at `/admin` (issue 17): server-rendered like the customer site (escaping
/// builder, CSP, CSRF on every form, English and Korean), behind a staff session. Its pages share
/// some `/admin/…` URLs with the JSON API (`/admin/users/{id}`, `/admin/staff`, `/admin/fraud`,
/// `/admin/webhooks`): a browser's `Accept` gets the page. Forms post to `/admin/do/…` and go
/// through the API's own handlers.
struct ConsoleRoutes {
    let console: ConsoleContext

    init(web: WebContext, auth: Authenticator, api: ConsoleAPI) {
        console = ConsoleContext(web: web, auth: auth, api: api)
    }

    func register(on router: Router) {
        ConsoleSignIn(console: console).register(on: router)
        AnalyticsPage(console: console).register(on: router)
        ModerationPages(console: console).register(on: router)
        PeoplePages(console: console).register(on: router, api: console.api)
        RoundConsole(console: console).register(on: router)
        FraudAndHealthPages(console: console).register(on: router, api: console.api)
    }
}
