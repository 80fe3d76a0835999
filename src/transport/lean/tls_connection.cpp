#include "transport/lean/tls_connection.hpp"

// Placeholder until the mbed TLS layer lands.
namespace defender::lean {}
