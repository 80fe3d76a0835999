// PLACEHOLDER: replaced by the collector work.
#include "defender/ip_address.hpp"
#include <stdexcept>
namespace defender {
IpAddress IpAddress::v4(std::uint32_t) { throw std::logic_error("not implemented"); }
IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>&) { throw std::logic_error("not implemented"); }
std::optional<IpAddress> IpAddress::parse(std::string_view) { throw std::logic_error("not implemented"); }
bool IpAddress::is_wildcard() const { throw std::logic_error("not implemented"); }
bool IpAddress::is_v4_mapped() const { throw std::logic_error("not implemented"); }
IpAddress IpAddress::normalized() const { throw std::logic_error("not implemented"); }
std::string IpAddress::to_string() const { throw std::logic_error("not implemented"); }
std::string IpAddress::with_port(std::uint16_t) const { throw std::logic_error("not implemented"); }
std::size_t IpAddressHash::operator()(const IpAddress&) const noexcept { return 0; }
}  // namespace defender
