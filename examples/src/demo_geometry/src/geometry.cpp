#include "demo_geometry/geometry.hpp"
#include <cmath>
namespace demo_geometry {
double distance(const Point & a, const Point & b)
{
  return std::hypot(a.x - b.x, a.y - b.y);
}
}
