#include "transport/lean/mqtt_packets.hpp"

// Placeholder until the codec lands.
namespace defender::lean {}
