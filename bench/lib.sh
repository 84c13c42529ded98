# Shared by the bench scripts: source it, do not run it.

# apache_conf_head DIR PORT prints the start of a self-contained Apache
# config (it needs none of Debian's APACHE_* environment variables): DIR as
# ServerRoot, runtime dir and home of apache.pid and apache_error.log, a
# listener on 127.0.0.1:PORT, the event MPM, authz_core and mod_python.
# Children run as www-data when we are root, else as us.
apache_conf_head() {
    local dir=$1 port=$2 user group m=/usr/lib/apache2/modules
    if [ "$(id -u)" -eq 0 ]; then user=www-data group=www-data
    else user=$(id -un) group=$(id -gn); fi
    cat <<CONF
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/apache.pid"
ErrorLog "$dir/apache_error.log"
LogLevel warn
ServerName localhost
Listen 127.0.0.1:$port
User $user
Group $group

LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule python_module $m/mod_python.so
CONF
}
