#pragma once
namespace demo_geometry {
struct Point { double x; double y; };
double distance(const Point & a, const Point & b);
}
