# install() rules and the CPack Debian package of authgate-server and the
# authgate CLI. Included by the top-level CMakeLists.txt; deploy/build_deb.sh
# builds the package.
install(TARGETS authgate-server authgate RUNTIME DESTINATION bin)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/deploy/systemd/authgate.service
        DESTINATION lib/systemd/system)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/authgate.json
        DESTINATION /etc/authgate)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/README.md
              ${CMAKE_CURRENT_SOURCE_DIR}/examples/authgate.jsonc
              ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE
        DESTINATION share/doc/authgate)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/deploy/README.md
        DESTINATION share/doc/authgate RENAME deploy.md)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME authgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "authgate maintainers <authgate@example.org>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "token gateway for Amazon Cognito and OpenID Connect (gRPC server and CLI)")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "authgate-server verifies Cognito and OpenID Connect tokens and runs the\n\
OAuth flows over gRPC (authgate.v1 and Envoy ext_authz), with Prometheus\n\
metrics and health probes; authgate is its command-line client. A systemd\n\
unit (authgate.service) runs the server as the authgate user.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/authgate/authgate")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# dpkg-shlibdeps names the runtime libraries' packages in Depends.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, ca-certificates")
# /etc/authgate/authgate.json is a conffile: upgrades keep the admin's edits.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles "/etc/authgate/authgate.json\n")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postinst
               ${CMAKE_CURRENT_BINARY_DIR}/deb/postinst COPYONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles ${CMAKE_CURRENT_BINARY_DIR}/deb/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
