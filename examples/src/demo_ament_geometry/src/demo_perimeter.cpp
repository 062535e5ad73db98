#include <cstdio>
#include "demo_geometry/geometry.hpp"
int main()
{
  const demo_geometry::Point square[] = {{0, 0}, {2, 0}, {2, 2}, {0, 2}};
  double perimeter = 0.0;
  for (int i = 0; i < 4; ++i) {
    perimeter += demo_geometry::distance(square[i], square[(i + 1) % 4]);
  }
  std::printf("perimeter: %g\n", perimeter);
  return 0;
}
