package openapi

// Registers is what the handlers need of the register query service.
type Registers interface{}
