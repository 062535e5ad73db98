#include <cstdio>
#include <cstdlib>
#include "demo_geometry/geometry.hpp"
int main(int argc, char ** argv)
{
  if (argc != 5) {
    std::fprintf(stderr, "usage: demo_distance X1 Y1 X2 Y2\n");
    return 2;
  }
  demo_geometry::Point a{std::atof(argv[1]), std::atof(argv[2])};
  demo_geometry::Point b{std::atof(argv[3]), std::atof(argv[4])};
  std::printf("distance: %g\n", demo_geometry::distance(a, b));
  return 0;
}
