package server

// routes is the one route table.
func (s *Server) routes() {
	s.engine.GET("/healthz", s.healthz)
	s.engine.HEAD("/healthz", s.healthz)
}
