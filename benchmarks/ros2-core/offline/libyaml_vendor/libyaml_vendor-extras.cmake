# as ros2/libyaml_vendor's own extras
list(APPEND libyaml_vendor_TARGETS yaml)
