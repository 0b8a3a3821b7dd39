package openapi

// Mailbox is what the handlers need of the mailbox service.
type Mailbox interface{}
