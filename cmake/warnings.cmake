# Warnings as errors for Herald's own targets (not for third-party headers, which are SYSTEM).
function(herald_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
    -Wimplicit-fallthrough -Wformat=2
    # GCC 12 flags designated initializers that leave out members with default initializers,
    # which is how the SDK's option structs are meant to be written.
    -Wno-missing-field-initializers)
  # In a unity batch every source file is an included file, and GCC warns when a class of an
  # included file has a member of a type from an anonymous namespace: true of any .cc file that
  # defines its classes beside its file-local helpers, and harmless there.
  target_compile_options(${target} PRIVATE
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:$<TARGET_PROPERTY:UNITY_BUILD>>>:-Wno-subobject-linkage>)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # The GUARDED_BY / REQUIRES annotations (base/thread_annotations.h), checked.
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
endfunction()
