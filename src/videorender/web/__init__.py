"""The HTTP layer every face of the service shares (issue 32): which hosts and which sites may
talk to it (`guard`), the headers on every response (`headers`), who the client is
(`clients`), and the API docs served from a pinned package (`docs`)."""
