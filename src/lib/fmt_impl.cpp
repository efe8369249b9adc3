// fmt's compiled part, built into ktstr instead of linking libfmt.so. Debian
// ships fmt only as a shared library, which drags libstdc++.so into every
// run of a tool that otherwise links libstdc++ statically; start-up time and
// peak memory are part of what ktstr promises. Including format-inl.h here
// defines fmt's out-of-line functions; the two templates below are the ones
// it leaves to explicit instantiation that ktstr's own code uses.
#include <fmt/format-inl.h>

namespace fmt {
inline namespace v9 {
namespace detail {
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
}  // namespace detail
}  // namespace v9
}  // namespace fmt
