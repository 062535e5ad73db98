# yaml from Debian's libyaml-dev (stand-in of libyaml's own CMake config)
if(NOT TARGET yaml)
  find_library(_yaml_library NAMES yaml REQUIRED)
  find_path(_yaml_include NAMES yaml.h REQUIRED)
  add_library(yaml SHARED IMPORTED)
  set_target_properties(yaml PROPERTIES
    IMPORTED_LOCATION "${_yaml_library}"
    INTERFACE_INCLUDE_DIRECTORIES "${_yaml_include}")
endif()
set(yaml_FOUND TRUE)
set(yaml_LIBRARIES yaml)
set(yaml_INCLUDE_DIRS "${_yaml_include}")
