# Run by `cmake --install`: copies the systemd units (BL_UNIT_FILES) into
# PREFIX/lib/systemd/system, with the programs' folder /usr/local/bin of the
# units replaced by PREFIX/BL_UNIT_BINDIR, so that the installed units run
# the installed programs whatever the prefix.  DESTDIR is honoured.
set(dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
file(MAKE_DIRECTORY "${dest}")
foreach(unit ${BL_UNIT_FILES})
    file(READ "${unit}" text)
    string(REPLACE "/usr/local/bin/" "${CMAKE_INSTALL_PREFIX}/${BL_UNIT_BINDIR}/"
           text "${text}")
    get_filename_component(name "${unit}" NAME)
    message(STATUS "Installing: ${dest}/${name}")
    file(WRITE "${dest}/${name}" "${text}")
endforeach()
