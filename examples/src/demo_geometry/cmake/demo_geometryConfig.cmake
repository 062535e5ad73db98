include("${CMAKE_CURRENT_LIST_DIR}/demo_geometryTargets.cmake")
